// Welcome message request.
import type { Attachment } from './types'

export interface SendWelcomeMsgRequest {
  /** from the add event; valid 20 s, usable once (41051 afterwards) */
  welcome_code: string
  /** ≤ 4000 bytes */
  text?: { content: string }
  /** ≤ 9 */
  attachments?: Attachment[]
}
