// The WeCom dispatch table: one entry per (MsgType, Event, ChangeType), one file per handler.
import { keyOf, type HandlerTable } from './handler'
import { changeExternalChat } from './external-chat/change-external-chat'
import { addExternalContact } from './external-contact/add-external-contact'
import { delExternalContact } from './external-contact/del-external-contact'
import { delFollowUser } from './external-contact/del-follow-user'
import { editExternalContact } from './external-contact/edit-external-contact'
import { transferFail } from './external-contact/transfer-fail'
import { changeExternalTag } from './external-tag/change-external-tag'
import { inboundMessage } from './message/inbound-message'

const CONTACT = 'change_external_contact'
const TAG = 'change_external_tag'

export const wecomHandlers: HandlerTable = {
  [keyOf('event', CONTACT, 'add_external_contact')]: addExternalContact,
  [keyOf('event', CONTACT, 'add_half_external_contact')]: addExternalContact,
  [keyOf('event', CONTACT, 'edit_external_contact')]: editExternalContact,
  [keyOf('event', CONTACT, 'del_external_contact')]: delExternalContact,
  [keyOf('event', CONTACT, 'del_follow_user')]: delFollowUser,
  [keyOf('event', CONTACT, 'transfer_fail')]: transferFail,
  [keyOf('event', TAG, 'create')]: changeExternalTag,
  [keyOf('event', TAG, 'update')]: changeExternalTag,
  [keyOf('event', TAG, 'delete')]: changeExternalTag,
  [keyOf('event', TAG, 'shuffle')]: changeExternalTag,
  [keyOf('event', 'change_external_chat', '*')]: changeExternalChat,
  [keyOf('text')]: inboundMessage,
  [keyOf('image')]: inboundMessage,
}
