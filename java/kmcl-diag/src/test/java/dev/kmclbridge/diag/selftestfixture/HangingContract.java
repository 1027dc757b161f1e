package dev.kmclbridge.diag.selftestfixture;

import org.junit.jupiter.api.Test;

/** Fixture for SelftestTest: a test that blocks until interrupted (a hung backend call). */
public class HangingContract {
    @Test
    void B1_hangs() throws InterruptedException {
        Thread.sleep(30_000);
    }

    @Test
    void B2_runsAfterTheHang() {
    }
}
