package dev.kmclbridge.diag.selftestfixture;

import dev.kmclbridge.Kmcl;
import dev.kmclbridge.junit.KmclTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fixture for SelftestTest (not run by surefire: the name does not end in Test). Named like the real contract
 * tests, after catalog ids.
 */
@KmclTest
public class PassingContract {
    @Test
    void B10_backendIsTheSelectedOne(Kmcl kmcl) {
        assertEquals(System.getProperty("kmcl.backend"), kmcl.info().name());
    }

    @Test
    void B73_B74_twoIdsInOneName() {
    }
}
