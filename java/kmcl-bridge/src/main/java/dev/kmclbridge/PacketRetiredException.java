package dev.kmclbridge;

/** A second {@code complete}/{@code fail}/{@code deferToPassive} on an incoming packet that already ended. */
public class PacketRetiredException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the packet and how it ended. */
    public PacketRetiredException(String message) {
        super(message);
    }
}
