package dev.sieve.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body up to a byte limit, and stops reading (cancelling the subscription, which closes the
 * connection) as soon as the body goes past it: a server cannot make the worker buffer more than the limit.
 */
final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {

    /** The body (or its declared length) is over the limit. */
    static final class TooLargeException extends IOException {
        TooLargeException(String message) {
            super(message);
        }
    }

    private final long limit;
    private final boolean truncate;
    private final ByteArrayOutputStream buffer;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final CompletableFuture<Void> admitted;
    private volatile Flow.Subscription subscription;

    /**
     * @param limit       most bytes kept
     * @param truncate    past the limit: true keeps the first {@code limit} bytes and completes (an error page),
     *                    false fails with {@link TooLargeException} (an image)
     * @param sizeHint    Content-Length when known (and within the limit), else -1
     */
    LimitedBody(long limit, boolean truncate, long sizeHint) {
        this(limit, truncate, sizeHint, CompletableFuture.completedFuture(null));
    }

    /** @param admitted reading starts when this completes (a {@link BodyGate}'s answer); failing it fails the body */
    LimitedBody(long limit, boolean truncate, long sizeHint, CompletableFuture<Void> admitted) {
        this.admitted = admitted;
        this.limit = limit;
        this.truncate = truncate;
        this.buffer = new ByteArrayOutputStream((int) Math.max(32, Math.min(limit, sizeHint < 0 ? 8192 : sizeHint)));
    }

    /** A body refused before reading any of it, because its Content-Length is already over the limit. */
    static LimitedBody refused(long declared, long limit) {
        LimitedBody body = new LimitedBody(limit, false, 0);
        body.result.completeExceptionally(new TooLargeException(
                "Content-Length " + declared + " is over the limit of " + limit + " bytes"));
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        // Nothing is requested before the gate opens, so the connection holds the body (TCP flow control), not us.
        admitted.whenComplete((ok, error) -> {
            if (error != null) result.completeExceptionally(error);
            if (result.isDone()) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        });
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) return;
        for (ByteBuffer item : items) {
            int n = item.remaining();
            long room = limit - buffer.size();
            if (n > room) {
                if (truncate) {
                    write(item, (int) room);
                    result.complete(buffer.toByteArray());
                } else {
                    result.completeExceptionally(new TooLargeException(
                            "body is over the limit of " + limit + " bytes (stopped reading at " + (buffer.size() + n) + ")"));
                }
                subscription.cancel();
                return;
            }
            write(item, n);
        }
    }

    @Override
    public void onError(Throwable error) {
        result.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        result.complete(buffer.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    /** Stops reading: the body fails with {@code why} and the connection is dropped. */
    void abort(Throwable why) {
        result.completeExceptionally(why);
        Flow.Subscription s = subscription;
        if (s != null) s.cancel();
    }

    private void write(ByteBuffer item, int n) {
        if (item.hasArray()) {
            buffer.write(item.array(), item.arrayOffset() + item.position(), n);
            item.position(item.position() + n);
        } else {
            byte[] chunk = new byte[n];
            item.get(chunk);
            buffer.write(chunk, 0, n);
        }
    }
}
