// Temporary media upload (multipart field "media"); the media_id lives 3 days.
import { extname } from 'node:path'
import type { WecomCall } from './call'
import { WecomPaths } from './paths'
import type { UploadMediaResponse } from './media.types'

const IMAGE_TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png' }

export function mediaApi(call: WecomCall) {
  return {
    /** JPG or PNG, 5 bytes to 10 MB. The filename is what recipients see. */
    uploadImage: (data: Uint8Array, filename: string) =>
      call<UploadMediaResponse>({
        method: 'POST',
        path: WecomPaths.Media.upload,
        query: { type: 'image' },
        form: () => {
          const form = new FormData()
          const type = IMAGE_TYPES[extname(filename).toLowerCase()] ?? 'application/octet-stream'
          // A copy typed as ArrayBuffer-backed: Blob (DOM typings) does not take a SharedArrayBuffer view.
          form.append('media', new Blob([new Uint8Array(data)], { type }), filename)
          return form
        },
      }),
  }
}
