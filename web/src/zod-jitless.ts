// Imported first by main.ts: zod compiles fast parsers with `new Function`, which the admin's CSP (no 'unsafe-eval') refuses.
import { z } from 'zod'

// Before any schema is built: zod probes for eval when a z.object is created, and Chromium reports the refused probe.
z.config({ jitless: true })
