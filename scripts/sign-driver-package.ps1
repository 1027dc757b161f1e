<#
.SYNOPSIS
Test-signs a kmclbridge driver package folder (kmclbridge.inf + kmclbridge.sys): catalog with Inf2Cat,
signatures with signtool from the local machine certificate store (/sm), and the certificate exported
beside the package (kmclbridge-test.cer) so that another machine can trust it.

.DESCRIPTION
Needs the WDK (Inf2Cat.exe, signtool.exe under "Windows Kits\10\bin"). Used by build-driver.ps1 -Sign,
by the Windows workflow and by install-driver.ps1 when a package comes unsigned. The certificate is a
self-made code-signing test certificate (what the WDK's TestSign mode makes as well); test-signed
drivers load only with test signing on and Secure Boot off.

Written without a Windows machine: NEVER RUN by anyone yet.

.PARAMETER PackagePath
The folder holding kmclbridge.inf and kmclbridge.sys; kmclbridge.cat and kmclbridge-test.cer are written there.

.PARAMETER CertificateSubject
Subject of the test certificate in Cert:\LocalMachine\My; made there when missing.
#>
param(
    [Parameter(Mandatory = $true)] [string] $PackagePath,
    [string] $CertificateSubject = 'CN=kmclbridge test signing'
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'

# Runs a native command and throws unless its exit code is one of $Allowed (output is never parsed).
function Invoke-Checked([string] $Exe, [string[]] $Arguments, [int[]] $Allowed = @(0)) {
    & $Exe @Arguments
    if ($Allowed -notcontains $LASTEXITCODE) {
        throw "$([IO.Path]::GetFileName($Exe)) $($Arguments -join ' ') failed with exit code $LASTEXITCODE"
    }
}

# The newest x64 (or x86) copy of a WDK tool.
function Find-KitTool([string] $Name, [string[]] $Architectures) {
    $kits = Join-Path ${env:ProgramFiles(x86)} 'Windows Kits\10\bin'
    foreach ($arch in $Architectures) {
        $found = Get-ChildItem -Path $kits -Filter $Name -Recurse -ErrorAction SilentlyContinue |
            Where-Object { $_.Directory.Name -eq $arch } | Sort-Object FullName | Select-Object -Last 1
        if ($found) { return $found.FullName }
    }
    throw "$Name not found under ${kits}: install the Windows Driver Kit, or use a package signed by the Windows workflow"
}

$PackagePath = (Resolve-Path $PackagePath).Path
foreach ($file in 'kmclbridge.inf', 'kmclbridge.sys') {
    if (-not (Test-Path (Join-Path $PackagePath $file))) { throw "$file missing in $PackagePath" }
}

$cert = Get-ChildItem Cert:\LocalMachine\My | Where-Object { $_.Subject -eq $CertificateSubject } |
    Sort-Object NotAfter | Select-Object -Last 1
if (-not $cert) {
    $cert = New-SelfSignedCertificate -Subject $CertificateSubject -Type CodeSigningCert `
        -CertStoreLocation Cert:\LocalMachine\My -NotAfter (Get-Date).AddYears(2)
    Write-Host "made test certificate $($cert.Thumbprint) ($CertificateSubject) in LocalMachine\My"
}

$inf2cat = Find-KitTool 'Inf2Cat.exe' @('x86', 'x64')
$signtool = Find-KitTool 'signtool.exe' @('x64', 'x86')

# the .sys first: the catalog hashes the files as they will be installed
Invoke-Checked $signtool @('sign', '/sm', '/s', 'My', '/sha1', $cert.Thumbprint, '/fd', 'sha256',
    (Join-Path $PackagePath 'kmclbridge.sys'))
Invoke-Checked $inf2cat @("/driver:$PackagePath", '/os:10_X64,Server10_X64')
Invoke-Checked $signtool @('sign', '/sm', '/s', 'My', '/sha1', $cert.Thumbprint, '/fd', 'sha256',
    (Join-Path $PackagePath 'kmclbridge.cat'))

$cer = Join-Path $PackagePath 'kmclbridge-test.cer'
Export-Certificate -Cert $cert -FilePath $cer -Type CERT | Out-Null
Write-Host "signed $PackagePath with $($cert.Thumbprint); trust it elsewhere with install-driver.ps1 (it imports $([IO.Path]::GetFileName($cer)))"
