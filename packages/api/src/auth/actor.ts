/** Who is making a request. */
export interface Actor {
  id: number;
  username: string;
  /** AUTH_MODE=open: every board is shared and everyone acts as its owner. */
  sharedAccess: boolean;
  /** The session behind the request, when it came with a token. */
  sessionId?: string;
}
