import type { User } from "../accounts/types.js";
import type { UserLookup } from "./passwords.js";

/** Session key of the logged-in user's id. */
export const USER_KEY = "kirby.userId";
/** Session key of the login time, compared with the user's password change (docs/kirby-compat/auth-and-sessions.md#session-identity). */
export const LOGIN_TIME_KEY = "kirby.loginTimestamp";

/** What a login needs of a session. */
interface LoginSession {
  get(key: string): unknown;
  remove(key: string): void;
}

/**
 * The user logged in to a session, honouring the password-change invalidation (docs/kirby-compat/auth-and-sessions.md#session-identity): a login older than the
 * user's last password change is removed from the session.
 */
export function sessionUser(users: UserLookup, session: LoginSession): User | null {
  const id = session.get(USER_KEY);
  if (typeof id !== "string" || id === "") return null;
  const user = users.findUser(id);
  if (!user) return null;
  if (user.passwordTimestamp !== null) {
    const loginTime = session.get(LOGIN_TIME_KEY);
    if (typeof loginTime !== "number" || !Number.isInteger(loginTime) || loginTime < user.passwordTimestamp) {
      session.remove(USER_KEY);
      session.remove(LOGIN_TIME_KEY);
      return null;
    }
  }
  return user;
}
