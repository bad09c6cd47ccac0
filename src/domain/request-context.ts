/** A request's scope (vocabulary/request.ts) together with the services it may use. */
import type { RequestScope } from "../vocabulary/request.js";
import type { Services } from "./services.js";

export interface RequestContext extends RequestScope {
  readonly services: Services;
}
