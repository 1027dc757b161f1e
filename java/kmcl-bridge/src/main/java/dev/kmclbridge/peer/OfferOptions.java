package dev.kmclbridge.peer;

/**
 * How the host peer makes an offer.
 *
 * @param mmioMegabytes MMIO space reported to the client after Opened (0 = none)
 * @param targetVtl     VTL the offer is visible in (0 = normal guest)
 * @param interfaceName well-known name shown in endpoint listings
 */
public record OfferOptions(int mmioMegabytes, int targetVtl, String interfaceName) {
    /** No MMIO, VTL 0, name "test device". */
    public static OfferOptions defaults() {
        return new OfferOptions(0, 0, "test device");
    }
}
