/**
 * What an instance makes after `init` (the subscriber connection, duplicates, MONITOR connections, event relays on
 * the app's instance): tracked here so that `rr.close()` lets go of all of it, and nothing keeps the process alive.
 */
export interface Closeable {
  close(): void | Promise<void>;
}

export class Owned {
  private readonly items = new Set<Closeable>();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  /** Track `item`; after close() it is closed at once instead. */
  add<T extends Closeable>(item: T): T {
    if (this.closed) void Promise.resolve(item.close()).catch(() => {});
    else this.items.add(item);
    return item;
  }

  delete(item: Closeable): void {
    this.items.delete(item);
  }

  /** A function that stops `dispose` from being needed at close. */
  onClose(dispose: () => void): () => void {
    const item = this.add({ close: dispose });
    return () => {
      this.delete(item);
      dispose();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.items];
    this.items.clear();
    await Promise.all(all.map((i) => Promise.resolve(i.close()).catch(() => {})));
  }
}
