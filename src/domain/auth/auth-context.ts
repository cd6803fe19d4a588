/** Who is calling, as proven by a verified access token. Every door (REST, sync, collab) gets this. */
export interface AuthContext {
  userId: string;
  contactZeroId: string;
  sessionId: string;
  email: string;
}
