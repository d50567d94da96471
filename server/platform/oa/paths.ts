// Every Official Account API path the client calls, grouped by domain; the OA sandbox serves exactly these.
export const OaPaths = {
  Token: {
    stableToken: '/cgi-bin/stable_token',
  },
  Template: {
    list: '/cgi-bin/template/get_all_private_template',
    send: '/cgi-bin/message/template/send',
  },
  User: {
    info: '/cgi-bin/user/info',
  },
  Jsapi: {
    /** Query type=jsapi. */
    getTicket: '/cgi-bin/ticket/getticket',
  },
  OAuth: {
    /** code → openid; authenticated by appid + secret, not the access token. */
    accessToken: '/sns/oauth2/access_token',
  },
  Qrcode: {
    create: '/cgi-bin/qrcode/create',
  },
  Menu: {
    create: '/cgi-bin/menu/create',
    get: '/cgi-bin/menu/get',
  },
} as const

type Groups = typeof OaPaths
export type OaDomain = keyof Groups
export type OaPath = { [G in OaDomain]: Groups[G][keyof Groups[G]] }[OaDomain]

/** Every catalogued path with its domain, e.g. for a test that each one has a sandbox handler. */
export function allOaPaths(): { domain: OaDomain; name: string; path: OaPath }[] {
  return (Object.keys(OaPaths) as OaDomain[]).flatMap((domain) =>
    Object.entries(OaPaths[domain]).map(([name, path]) => ({ domain, name, path: path as OaPath })),
  )
}
