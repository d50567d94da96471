// change_external_chat: customer groups are not mirrored; the stored event is all we keep.
import type { CallbackHandler } from '../handler'

export const changeExternalChat: CallbackHandler = async () => 'processed'
