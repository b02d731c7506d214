// Public surface of the transport concern.
export { ConnectionPool, type PoolOptions } from "./pool.js";
export { connectionSpec } from "./spec.js";
export { quote } from "./quote.js";
export { isSh, joinSh, raw, secret, sh, Sh } from "./sh.js";
export {
  UnreachableError,
  type Connection,
  type ConnectionSpec,
  type ExecOptions,
  type ExecResult,
  type NodePool,
} from "./types.js";
