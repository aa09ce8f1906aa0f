/**
 * The few chrome.* extension APIs this extension calls (no @types/chrome in the project).
 * Shapes follow developer.chrome.com/docs/extensions/reference (Chrome 116+).
 */
declare namespace chrome {
  namespace runtime {
    interface ExtensionContext {
      contextType: 'TAB' | 'POPUP' | 'BACKGROUND' | 'OFFSCREEN_DOCUMENT' | 'SIDE_PANEL' | 'DEVELOPER_TOOLS'
      documentUrl?: string
    }
    interface ContextFilter {
      contextTypes?: Array<ExtensionContext['contextType']>
      documentUrls?: string[]
    }
    interface Event<Listener> {
      addListener(listener: Listener): void
    }
    const id: string
    const onInstalled: Event<() => void>
    const onStartup: Event<() => void>
    function getURL(path: string): string
    function getContexts(filter: ContextFilter): Promise<ExtensionContext[]>
  }
  namespace offscreen {
    type Reason = 'WORKERS' | 'WEB_RTC' | 'BLOBS' | 'DOM_PARSER' | 'LOCAL_STORAGE' | 'AUDIO_PLAYBACK' | 'CLIPBOARD' | 'DOM_SCRAPING' | 'IFRAME_SCRIPTING' | 'TESTING' | 'USER_MEDIA' | 'DISPLAY_MEDIA' | 'GEOLOCATION' | 'BATTERY_STATUS' | 'MATCH_MEDIA'
    interface CreateParameters { url: string, reasons: Reason[], justification: string }
    function createDocument(parameters: CreateParameters): Promise<void>
    function closeDocument(): Promise<void>
  }
  namespace storage {
    interface StorageChange { oldValue?: unknown, newValue?: unknown }
    namespace local {
      function get(keys: string | string[]): Promise<Record<string, unknown>>
      function set(items: Record<string, unknown>): Promise<void>
    }
    const onChanged: runtime.Event<(changes: Record<string, StorageChange>, areaName: 'local' | 'sync' | 'session' | 'managed') => void>
  }
  namespace declarativeNetRequest {
    interface Rule { id: number, priority?: number, action: unknown, condition: unknown }
    function updateDynamicRules(options: { removeRuleIds?: number[], addRules?: Rule[] }): Promise<void>
    function getDynamicRules(): Promise<Rule[]>
  }
  namespace tabs {
    function create(properties: { url: string }): Promise<unknown>
  }
}
