// Route meta used by the menu, the guard and the layout.
import type { Component } from 'vue'
import type { Role } from '../../../shared/enums'

declare module 'vue-router' {
  interface RouteMeta {
    /** Page and menu title. */
    title?: string
    /** Menu group the item appears under; no section = top-level item. */
    section?: string
    icon?: Component
    /** Roles that see and may open the page; all signed-in roles when absent. */
    roles?: readonly Role[]
    /** Pages outside the layout that need no session (login). */
    public?: boolean
    /** Tenant pages: a super admin must pick an org first. */
    needsOrg?: boolean
    /** Hidden from the side menu. */
    hideInMenu?: boolean
  }
}

export const ADMIN_ROLES = ['super_admin', 'org_admin'] as const satisfies readonly Role[]
export const SUPER_ADMIN = ['super_admin'] as const satisfies readonly Role[]
