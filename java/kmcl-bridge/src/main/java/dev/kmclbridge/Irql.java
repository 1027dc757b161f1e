package dev.kmclbridge;

/** The IRQL at which KMCL invoked the packet callback (reported by the driver; modelled by the fakes). */
public enum Irql {
    /** PASSIVE_LEVEL (a worker thread). */
    PASSIVE,
    /** DISPATCH_LEVEL (a DPC). */
    DISPATCH
}
