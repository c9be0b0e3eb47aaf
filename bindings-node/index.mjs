// ESM entry: the CommonJS entry (lib/index.js) re-exported by name (test/esm.test.mjs checks
// this list against it and against index.d.ts).
import sessiongate from './lib/index.js'

export const {
  SessionGate,
  CookieSession,
  loadSealedSession,
  StepUpPolicy,
  Challenge,
  errorCodes,
  SessionGateError,
  ConfigurationError,
  JwksUnavailableError,
  JwksNotCachedError,
  SealError,
  UnsealError,
  KeyDerivationBusyError,
  StepUpRequiredError,
  StepUpFailedError,
  InternalError,
  ApiUnavailableError,
  RefreshUnavailableError,
} = sessiongate
export default sessiongate
