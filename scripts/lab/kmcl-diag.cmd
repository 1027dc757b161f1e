@echo off
rem kmcl-diag launcher of kmclbridge-lab.zip: runs kmcl-diag.jar with the bundled Java runtime
rem (runtime\ beside this file), else with the java.exe on PATH. Arguments pass through; the exit
rem code is kmcl-diag's (0 ok, 1 check failed, 4 backend unavailable, ...; docs in hyperv-lab.md).
rem Extra JVM options: set KMCL_DIAG_JAVA_OPTS. Written without Windows: never run yet.
setlocal
set "KMCL_LAB=%~dp0"
set "KMCL_JAVA=java"
if exist "%KMCL_LAB%runtime\bin\java.exe" set "KMCL_JAVA=%KMCL_LAB%runtime\bin\java.exe"
"%KMCL_JAVA%" %KMCL_DIAG_JAVA_OPTS% -jar "%KMCL_LAB%kmcl-diag.jar" %*
exit /b %ERRORLEVEL%
