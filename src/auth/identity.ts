import type { Role, User } from "../accounts/types.js";
import { AuthError } from "../errors.js";
import type { Session } from "../session/index.js";
import type { TokenRecord } from "../tokens/index.js";
import type { CheckedCredential, CredentialChecks } from "./credential-checks.js";
import type { RequestCredentials } from "./request-credentials.js";
import type { RequestCsrf } from "./request-csrf.js";
import type { RequestSessions } from "./request-sessions.js";
import type { AuthServices } from "./services.js";
import { sessionUser } from "./session-login.js";

/** Who is calling: resolved once per request for routes that need a user. */
export type Identity =
  | { readonly kind: "session"; readonly user: User; readonly role: Role; readonly session: Session }
  /** Basic auth with the password, or with an application password (`token` set). */
  | { readonly kind: "basic"; readonly user: User; readonly role: Role; readonly token?: TokenRecord }
  | { readonly kind: "token"; readonly user: User; readonly role: Role; readonly token: TokenRecord };

/**
 * Turns the credential a request carries into its `Identity` (docs/kirby-compat/auth-and-sessions.md#protected-routes: CSRF for sessions, the user,
 * `access.panel`). One code path for every scheme; synchronous when the session is already in memory (the common
 * read), so that answer costs no wait.
 */
export class IdentityResolver {
  constructor(
    private readonly services: Pick<AuthServices, "users" | "roleOf">,
    private readonly credentials: RequestCredentials,
    private readonly sessions: RequestSessions,
    private readonly csrf: RequestCsrf,
    private readonly checks: CredentialChecks,
  ) {}

  /** The identity, or the error saying why there is none (thrown, or as the rejection when it has to wait). */
  resolve(): Identity | Promise<Identity> {
    this.sessions.callerConsulted = true;
    const type = this.credentials.authType;
    if (type === "basic") return this.checks.basic().then((credential) => this.basicIdentity(credential));
    if (type === "bearer") return this.checks.bearer().then((credential) => this.tokenIdentity(credential));
    const known = this.sessions.knownCurrentSession();
    if (known !== undefined) return this.sessionIdentity(known);
    return this.sessions.currentSession().then((session) => this.sessionIdentity(session));
  }

  private basicIdentity({ user, token }: CheckedCredential): Identity {
    const role = this.services.roleOf(user);
    return withPanelAccess(token ? { kind: "basic", user, role, token } : { kind: "basic", user, role });
  }

  private tokenIdentity({ user, token }: CheckedCredential): Identity {
    return withPanelAccess({ kind: "token", user, role: this.services.roleOf(user), token: token as TokenRecord });
  }

  private sessionIdentity(session: Session | null): Identity {
    if (!this.csrf.matches(session)) throw new AuthError();
    const user = session ? sessionUser(this.services.users, session) : null;
    if (!session || !user) throw new AuthError();
    return withPanelAccess({ kind: "session", user, role: this.services.roleOf(user), session });
  }
}

function withPanelAccess(identity: Identity): Identity {
  if (identity.role.permissions["access"]?.["panel"] !== true) throw new AuthError({ key: "access.panel" });
  return identity;
}
