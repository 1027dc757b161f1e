package dev.kmclbridge;

/** EvtVmbChannelProcessingComplete: a batch of packets ended; runs after the batch's last packet handler. */
@FunctionalInterface
public interface ProcessingCompleteListener {
    /** {@code packetsProcessed} is the number of packet deliveries in the batch (never 0). */
    void onProcessingComplete(int packetsProcessed);
}
