package dev.kmclbridge.diag.selftestfixture;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.fail;

/** Fixture for SelftestTest: one failing, one skipped, one passing test without a catalog id. */
public class FailingContract {
    @Test
    void B64_completionPayloadReachesSender() {
        fail("expected completion payload 01 but was empty");
    }

    @Test
    @Disabled("not on this backend")
    void B99_skipped() {
    }

    @Test
    void helperWithoutId() {
    }
}
