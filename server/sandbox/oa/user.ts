// user/info: subscribe 0 with nothing else for a non-follower; no nickname or avatar for anyone (since 2021-12-27).
import type { OaEndpoint } from './endpoint'
import { OaError } from './errors'

export const userEndpoints: OaEndpoint[] = [
  {
    path: '/cgi-bin/user/info',
    method: 'GET',
    handle({ account, query }) {
      const openid = query('openid')
      if (!openid) throw new OaError(40003)
      const fan = account.fans.get(openid)
      if (!fan) throw new OaError(40003)
      if (!fan.subscribed) return { subscribe: 0, openid }
      return {
        subscribe: 1,
        openid,
        subscribe_time: fan.subscribe_time,
        ...(fan.unionid ? { unionid: fan.unionid } : {}),
        remark: '',
        groupid: 0,
        tagid_list: [],
        subscribe_scene: fan.subscribe_scene,
        qr_scene: fan.qr_scene,
        qr_scene_str: fan.qr_scene_str,
      }
    },
  },
]
