// 通知员工: an app message (textcard) to chosen WeCom staff; limits mirror message/send's.
import { z } from 'zod'

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length
const maxBytes = (n: number, label: string) => z.string().refine((s) => utf8Bytes(s) <= n, `${label}不能超过 ${n} 字节`)

export const staffMessageInput = z.object({
  userids: z.array(z.string().trim().min(1).max(64)).min(1, '请选择员工').max(1000, '一次最多通知 1000 位员工'),
  title: z.string().trim().min(1, '请输入标题').pipe(maxBytes(128, '标题')),
  description: z.string().trim().min(1, '请输入内容').pipe(maxBytes(512, '内容')),
  url: z.url('链接地址不正确').max(2048),
})
export type StaffMessageInput = z.infer<typeof staffMessageInput>
