// What every control action shares: input parsing into 400s, sending a callback (waiting or not), looking up a relation.
import { z } from 'zod'
import type { Delivery } from '../callbacks'
import type { SandboxContext } from '../context'
import { ControlError } from '../errors'
import type { CorpState } from '../state'

/** Parses control input; a bad request is a 400 with every problem spelled out. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input ?? {})
  if (!r.success) throw new ControlError(400, z.prettifyError(r.error))
  return r.data
}

/** Sends a callback; with wait the answer carries the finished delivery (all tries), else the pending one. */
export async function sendCallback(
  ctx: SandboxContext,
  corp: CorpState,
  xml: string,
  kind: string,
  agentid: number | undefined,
  wait: boolean,
): Promise<Delivery | null> {
  const d = ctx.callbacks.deliver(corp, xml, kind, agentid)
  if (!d) return null
  if (wait) return d.done
  d.done.catch((err) => ctx.onError(err, 'callback delivery'))
  return d.delivery
}

export function relation(corp: CorpState, userid: string, externalUserid: string) {
  const f = corp.findFollow(userid, externalUserid)
  if (!f) throw new ControlError(404, `no relation between ${userid} and ${externalUserid}`)
  return f
}
