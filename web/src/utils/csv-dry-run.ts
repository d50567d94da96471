// A CSV import dialog's first step: the chosen file read as base64 and checked by the server without storing anything.
import { ref, watch, type Ref } from 'vue'
import type { UploadFile } from 'element-plus'
import { notifyError } from './notify'

/** The file's bytes as base64, so the server can tell UTF-8 from GB18030 itself. */
export async function fileToBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let bin = ''
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(bin)
}

/** State of the dry run, cleared each time the dialog opens; `check` asks the server for the per-row verdicts. */
export function useCsvDryRun<R>(open: Ref<boolean>, check: (base64: string) => Promise<R>) {
  const fileName = ref('')
  const base64 = ref('')
  const checking = ref(false)
  const preview = ref<R | null>(null) as Ref<R | null>

  watch(open, (v) => {
    if (!v) return
    fileName.value = ''
    base64.value = ''
    preview.value = null
  })

  async function onFile(file: UploadFile) {
    if (!file.raw) return
    fileName.value = file.name
    checking.value = true
    preview.value = null
    try {
      base64.value = await fileToBase64(file.raw)
      preview.value = await check(base64.value)
    } catch (err) {
      notifyError(err)
    } finally {
      checking.value = false
    }
  }

  return { fileName, base64, checking, preview, onFile }
}
