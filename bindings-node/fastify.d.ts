// Fastify preHandler hooks: `import { requireSession } from 'sessiongate/fastify'`.
import type { AuthenticateSuccess, SessionGate, StepUpPolicy } from './index'
import type { WebOptions } from './web'

export type { WebOptions } from './web'

/** The parts of a Fastify request the hook reads and sets. */
export interface Request {
  headers: { cookie?: string | string[] | undefined }
  /** @fastify/cookie's, when registered; else the Cookie header is parsed. */
  cookies?: Record<string, string | undefined>
  protocol: string
  /** The verified session, once the hook let the request through. */
  sessiongate?: AuthenticateSuccess | undefined
}

/** The parts of a Fastify reply the hook uses. */
export interface Reply {
  header(name: string, value: string): Reply
  headers(values: Record<string, string>): Reply
  code(status: number): Reply
  send(body: unknown): Reply
}

export type Hook = (request: Request, reply: Reply) => Promise<unknown>

/** Lets a request through with its verified session on `request.sessiongate`; else 401 (or 503 in an outage). */
export declare function requireSession(gate: SessionGate, options?: WebOptions): Hook
/** `requireSession`, and the session must satisfy `policy` (403 + the RFC 9470 body if not). */
export declare function requireStepUp(gate: SessionGate, policy: StepUpPolicy, options?: WebOptions): Hook
