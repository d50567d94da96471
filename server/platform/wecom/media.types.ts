// Temporary media upload response schema.
import { z } from 'zod'
import { unixTime, withBase } from './types'

export const UploadMediaResponse = withBase({
  type: z.string(),
  /** valid 3 days */
  media_id: z.string(),
  created_at: unixTime,
})
export type UploadMediaResponse = z.infer<typeof UploadMediaResponse>
