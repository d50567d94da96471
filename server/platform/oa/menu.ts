// The account's custom menu (clients re-fetch it at most every 5 minutes).
import type { OaCall } from './call'
import { GetMenuResponse, type Menu } from './menu.types'
import { OaPaths } from './paths'
import { OaBaseResponse } from './types'

export function menuApi(call: OaCall) {
  return {
    create: (menu: Menu) => call({ method: 'POST', path: OaPaths.Menu.create, body: menu, schema: OaBaseResponse }),
    get: () => call({ method: 'GET', path: OaPaths.Menu.get, schema: GetMenuResponse }),
  }
}
