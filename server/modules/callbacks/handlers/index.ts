// The WeCom dispatch table: one entry per `${MsgType}:${Event}:${ChangeType}`, one file per handler.
// Keys are spelled out rather than built with dispatch.ts's handlerKey: dispatch imports this table, so importing a value back would be a cycle.
import type { CallbackHandler } from '../dispatch'
import { changeExternalChat } from './external-chat/change-external-chat'
import { addExternalContact } from './external-contact/add-external-contact'
import { delExternalContact } from './external-contact/del-external-contact'
import { delFollowUser } from './external-contact/del-follow-user'
import { editExternalContact } from './external-contact/edit-external-contact'
import { transferFail } from './external-contact/transfer-fail'
import { changeExternalTag } from './external-tag/change-external-tag'
import { inboundMessage } from './message/inbound-message'

export const wecomHandlers: Record<string, CallbackHandler> = {
  'event:change_external_contact:add_external_contact': addExternalContact,
  'event:change_external_contact:add_half_external_contact': addExternalContact,
  'event:change_external_contact:edit_external_contact': editExternalContact,
  'event:change_external_contact:del_external_contact': delExternalContact,
  'event:change_external_contact:del_follow_user': delFollowUser,
  'event:change_external_contact:transfer_fail': transferFail,
  'event:change_external_tag:create': changeExternalTag,
  'event:change_external_tag:update': changeExternalTag,
  'event:change_external_tag:delete': changeExternalTag,
  'event:change_external_tag:shuffle': changeExternalTag,
  'event:change_external_chat:*': changeExternalChat,
  'text::': inboundMessage,
  'image::': inboundMessage,
}
