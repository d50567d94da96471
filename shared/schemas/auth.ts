// Login, session and user-management inputs shared by the admin web and the server.
import { z } from 'zod'
import type { Role } from '../enums'

export const usernameSchema = z
  .string()
  .trim()
  .min(3, '用户名至少 3 个字符')
  .max(64, '用户名最多 64 个字符')
  .regex(/^[a-zA-Z0-9_.@-]+$/, '用户名只能包含字母、数字和 _ . @ -')
export const passwordSchema = z.string().min(8, '密码至少 8 位').max(128, '密码最多 128 位')

export const loginInput = z.object({
  username: z.string().trim().min(1, '请输入用户名').max(64),
  password: z.string().min(1, '请输入密码').max(128),
})

export const changePasswordInput = z.object({ oldPassword: z.string().min(1), newPassword: passwordSchema })

export const orgUserRoles = ['org_admin', 'org_member'] as const satisfies readonly Role[]

export const userCreateInput = z.object({
  username: usernameSchema,
  displayName: z.string().trim().min(1, '请输入姓名').max(100),
  password: passwordSchema,
  role: z.enum(orgUserRoles),
})
export const userUpdateInput = z.object({
  id: z.number().int().positive(),
  displayName: z.string().trim().min(1).max(100).optional(),
  role: z.enum(orgUserRoles).optional(),
  status: z.enum(['active', 'disabled']).optional(),
})
export const userResetPasswordInput = z.object({ id: z.number().int().positive(), password: passwordSchema })

export const orgCreateInput = z.object({
  name: z.string().trim().min(1, '请输入机构名称').max(100),
  slug: z
    .string()
    .trim()
    .min(2)
    .max(64)
    .regex(/^[a-z0-9-]+$/, '标识只能包含小写字母、数字和 -'),
  admin: userCreateInput.omit({ role: true }),
})
export const orgUpdateInput = z.object({
  id: z.number().int().positive(),
  name: z.string().trim().min(1).max(100).optional(),
  status: z.enum(['active', 'disabled']).optional(),
})

export interface Me {
  id: number
  username: string
  displayName: string
  role: Role
  orgId: number | null
  orgName: string | null
  /** The org a super admin is acting in (null until chosen); equals orgId for org users. */
  actingOrgId: number | null
  actingOrgName: string | null
}
