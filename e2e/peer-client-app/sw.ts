/// <reference lib="webworker" />
/** The app's whole Service Worker. */
import { installCafeGateway } from '../../src/client/gateway-sw.ts'

installCafeGateway(self as unknown as ServiceWorkerGlobalScope)
