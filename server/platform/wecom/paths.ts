// Every WeCom server-API path the client calls, grouped by domain; the sandbox serves exactly these.
export const WecomPaths = {
  Token: {
    getToken: '/cgi-bin/gettoken',
  },
  ContactWay: {
    add: '/cgi-bin/externalcontact/add_contact_way',
    get: '/cgi-bin/externalcontact/get_contact_way',
    list: '/cgi-bin/externalcontact/list_contact_way',
    update: '/cgi-bin/externalcontact/update_contact_way',
    del: '/cgi-bin/externalcontact/del_contact_way',
    closeTempChat: '/cgi-bin/externalcontact/close_temp_chat',
  },
  ExternalContact: {
    getFollowUserList: '/cgi-bin/externalcontact/get_follow_user_list',
    list: '/cgi-bin/externalcontact/list',
    get: '/cgi-bin/externalcontact/get',
    batchGetByUser: '/cgi-bin/externalcontact/batch/get_by_user',
    remark: '/cgi-bin/externalcontact/remark',
  },
  Tag: {
    list: '/cgi-bin/externalcontact/get_corp_tag_list',
    add: '/cgi-bin/externalcontact/add_corp_tag',
    edit: '/cgi-bin/externalcontact/edit_corp_tag',
    del: '/cgi-bin/externalcontact/del_corp_tag',
    mark: '/cgi-bin/externalcontact/mark_tag',
  },
  Welcome: {
    send: '/cgi-bin/externalcontact/send_welcome_msg',
  },
  GroupMsg: {
    addTemplate: '/cgi-bin/externalcontact/add_msg_template',
    listV2: '/cgi-bin/externalcontact/get_groupmsg_list_v2',
    getTask: '/cgi-bin/externalcontact/get_groupmsg_task',
    getSendResult: '/cgi-bin/externalcontact/get_groupmsg_send_result',
    remind: '/cgi-bin/externalcontact/remind_groupmsg_send',
    cancel: '/cgi-bin/externalcontact/cancel_groupmsg_send',
  },
  Message: {
    send: '/cgi-bin/message/send',
  },
  User: {
    get: '/cgi-bin/user/get',
  },
  Media: {
    upload: '/cgi-bin/media/upload',
  },
  Auth: {
    getUserInfo: '/cgi-bin/auth/getuserinfo',
  },
  Jsapi: {
    /** Corp ticket for wx.config. */
    getCorpTicket: '/cgi-bin/get_jsapi_ticket',
    /** App ticket for wx.agentConfig (query type=agent_config). */
    getAgentTicket: '/cgi-bin/ticket/get',
  },
} as const

type Groups = typeof WecomPaths
export type WecomDomain = keyof Groups
export type WecomPath = { [G in WecomDomain]: Groups[G][keyof Groups[G]] }[WecomDomain]

/** Every catalogued path with its domain, e.g. for a test that each one has a sandbox handler. */
export function allWecomPaths(): { domain: WecomDomain; name: string; path: WecomPath }[] {
  return (Object.keys(WecomPaths) as WecomDomain[]).flatMap((domain) =>
    Object.entries(WecomPaths[domain]).map(([name, path]) => ({ domain, name, path: path as WecomPath })),
  )
}
