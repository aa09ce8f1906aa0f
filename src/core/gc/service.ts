/**
 * The garbage collection service: one owner route over the pinning service's storage
 * (built after it, so it finds `pinning` among the services).
 */
import { defineService } from '../service.ts'
import { gcRoutes } from './routes.ts'

export const gcService = defineService({}, () => () => ({ routes: gcRoutes }))
