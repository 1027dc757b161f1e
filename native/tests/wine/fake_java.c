/* fake_java.c - stands in for runtime\bin\java.exe when scripts/build-native.sh checks the lab bundle's
 * kmcl-diag.cmd under Wine: prints each argument on its own line and exits with 4, so the check sees
 * whether the launcher passes arguments (spaces included) through and returns java's exit code. */
#include <stdio.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        printf("%s\n", argv[i]);
    }
    return 4;
}
