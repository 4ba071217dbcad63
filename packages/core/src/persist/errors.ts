/**
 * The typed error of persistence: a stored entry this code cannot read.
 * @module
 */

/**
 * A stored thread entry that cannot be read: `corrupt` (not a record at all, or fields of the wrong
 * type) or `version` (written by another record version). {@link ThreadStore.load} rejects with it;
 * `list()` skips such entries and reports them.
 */
export class ThreadRecordError extends Error {
  override readonly name = 'ThreadRecordError' as const;
  readonly kind: 'corrupt' | 'version';
  /** The thread the entry belongs to, when the key says. */
  readonly threadId: string | null;
  constructor(kind: 'corrupt' | 'version', threadId: string | null, message: string) {
    super(message);
    this.kind = kind;
    this.threadId = threadId;
  }
}
