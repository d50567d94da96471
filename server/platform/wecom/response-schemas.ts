// The success-response schema of every catalogued path; the sandbox's replies and the contract tests are checked against it.
import type { z } from 'zod'
import { GetUserInfoResponse, JsapiTicketResponse } from './auth.types'
import { AddContactWayResponse, GetContactWayResponse, ListContactWayResponse } from './contact-way.types'
import {
  BatchGetByUserResponse,
  GetExternalContactResponse,
  GetFollowUserListResponse,
  ListExternalContactResponse,
} from './external-contact.types'
import { AddMsgTemplateResponse, GetGroupMsgSendResultResponse, GetGroupMsgTaskResponse, ListGroupMsgV2Response } from './group-msg.types'
import { UploadMediaResponse } from './media.types'
import { SendMessageResponse } from './message.types'
import type { WecomPath } from './paths'
import { AddCorpTagResponse, ListCorpTagsResponse } from './tag.types'
import { GetTokenResponse } from './token.types'
import { BaseResponse } from './types'
import { GetUserResponse } from './user.types'

export const wecomResponseSchemas: Record<WecomPath, z.ZodType> = {
  '/cgi-bin/gettoken': GetTokenResponse,
  '/cgi-bin/externalcontact/add_contact_way': AddContactWayResponse,
  '/cgi-bin/externalcontact/get_contact_way': GetContactWayResponse,
  '/cgi-bin/externalcontact/list_contact_way': ListContactWayResponse,
  '/cgi-bin/externalcontact/update_contact_way': BaseResponse,
  '/cgi-bin/externalcontact/del_contact_way': BaseResponse,
  '/cgi-bin/externalcontact/close_temp_chat': BaseResponse,
  '/cgi-bin/externalcontact/get_follow_user_list': GetFollowUserListResponse,
  '/cgi-bin/externalcontact/list': ListExternalContactResponse,
  '/cgi-bin/externalcontact/get': GetExternalContactResponse,
  '/cgi-bin/externalcontact/batch/get_by_user': BatchGetByUserResponse,
  '/cgi-bin/externalcontact/remark': BaseResponse,
  '/cgi-bin/externalcontact/get_corp_tag_list': ListCorpTagsResponse,
  '/cgi-bin/externalcontact/add_corp_tag': AddCorpTagResponse,
  '/cgi-bin/externalcontact/edit_corp_tag': BaseResponse,
  '/cgi-bin/externalcontact/del_corp_tag': BaseResponse,
  '/cgi-bin/externalcontact/mark_tag': BaseResponse,
  '/cgi-bin/externalcontact/send_welcome_msg': BaseResponse,
  '/cgi-bin/externalcontact/add_msg_template': AddMsgTemplateResponse,
  '/cgi-bin/externalcontact/get_groupmsg_list_v2': ListGroupMsgV2Response,
  '/cgi-bin/externalcontact/get_groupmsg_task': GetGroupMsgTaskResponse,
  '/cgi-bin/externalcontact/get_groupmsg_send_result': GetGroupMsgSendResultResponse,
  '/cgi-bin/externalcontact/remind_groupmsg_send': BaseResponse,
  '/cgi-bin/externalcontact/cancel_groupmsg_send': BaseResponse,
  '/cgi-bin/message/send': SendMessageResponse,
  '/cgi-bin/user/get': GetUserResponse,
  '/cgi-bin/media/upload': UploadMediaResponse,
  '/cgi-bin/auth/getuserinfo': GetUserInfoResponse,
  '/cgi-bin/get_jsapi_ticket': JsapiTicketResponse,
  '/cgi-bin/ticket/get': JsapiTicketResponse,
}
