// qrcode/create request and response.
import { z } from 'zod'
import { withOaBase } from './types'

export type CreateQrcodeRequest =
  /** Temporary; expire_seconds ≤ 2592000 (30 days). */
  | { action_name: 'QR_SCENE'; expire_seconds?: number; action_info: { scene: { scene_id: number } } }
  | { action_name: 'QR_STR_SCENE'; expire_seconds?: number; action_info: { scene: { scene_str: string } } }
  /** Permanent: at most 100 000, scene_id 1–100000. */
  | { action_name: 'QR_LIMIT_SCENE'; action_info: { scene: { scene_id: number } } }
  /** scene_str 1–64 characters. */
  | { action_name: 'QR_LIMIT_STR_SCENE'; action_info: { scene: { scene_str: string } } }

export const CreateQrcodeResponse = withOaBase({
  ticket: z.string().min(1),
  /** Absent for permanent codes. */
  expire_seconds: z.number().optional(),
  url: z.string(),
})
export type CreateQrcodeResponse = z.infer<typeof CreateQrcodeResponse>
