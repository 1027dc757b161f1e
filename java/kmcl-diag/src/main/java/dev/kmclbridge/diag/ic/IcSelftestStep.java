package dev.kmclbridge.diag.ic;

/**
 * One row of the IC selftest.
 *
 * @param step   what was checked (bring-up, negotiation, ...)
 * @param result PASS, FAIL, or OBSERVED (a recorded host behavior: never a failure)
 * @param detail what happened, in plain words
 */
record IcSelftestStep(String step, String result, String detail) {
    static IcSelftestStep pass(String step, String detail) {
        return new IcSelftestStep(step, "PASS", detail);
    }

    static IcSelftestStep fail(String step, String detail) {
        return new IcSelftestStep(step, "FAIL", detail);
    }

    static IcSelftestStep observed(String step, String detail) {
        return new IcSelftestStep(step, "OBSERVED", detail);
    }
}
