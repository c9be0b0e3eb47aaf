// Express / Connect (and node:http) middleware: `import { requireSession } from 'sessiongate/express'`.
import type { AuthenticateSuccess, SessionGate, StepUpPolicy } from './index'
import type { WebOptions } from './web'

export type { WebOptions } from './web'

/** The parts of a node:http (Express, Connect) request the middleware reads and sets. */
export interface Request {
  headers: { cookie?: string | string[] | undefined }
  /** cookie-parser's, when installed; else the Cookie header is parsed. */
  cookies?: Record<string, string | undefined>
  /** Express's `req.secure`. */
  secure?: boolean
  socket?: { encrypted?: boolean }
  /** The verified session, once the middleware let the request through. */
  sessiongate?: AuthenticateSuccess | undefined
}

/** The parts of a node:http response the middleware uses. */
export interface Response {
  statusCode: number
  setHeader(name: string, value: string | string[]): unknown
  getHeader(name: string): unknown
  end(body?: string): unknown
}

export type Middleware = (req: Request, res: Response, next: (error?: unknown) => void) => void

/** Lets a request through with its verified session on `req.sessiongate`; else 401 (or 503 in an outage). */
export declare function requireSession(gate: SessionGate, options?: WebOptions): Middleware
/** `requireSession`, and the session must satisfy `policy` (403 + the RFC 9470 body if not). */
export declare function requireStepUp(gate: SessionGate, policy: StepUpPolicy, options?: WebOptions): Middleware
