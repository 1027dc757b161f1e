<#
.SYNOPSIS
Builds the KMDF driver (driver/kmdf) into a driver package folder and the MSVC kmclshim.dll (static CRT)
on Windows; with -Sign also test-signs the package (sign-driver-package.ps1).

.DESCRIPTION
Needs Visual Studio 2022 (MSBuild, C++ x64 tools) with the Windows Driver Kit, and CMake. Steps:
  1. InfVerif on driver/kmdf/kmclbridge.inf
  2. msbuild driver/kmdf/kmclbridge.vcxproj  -> driver\build\<Configuration>\kmclbridge.sys
  3. package folder driver\build\<Configuration>\package: kmclbridge.inf + kmclbridge.sys
     (-Sign: + kmclbridge.cat and kmclbridge-test.cer)
  4. CMake + MSVC: native\build\msvc -> native\build\out\win32-x86-64\kmclshim.dll, linked with the static
     CRT (/MT) so a lab VM needs no Visual C++ redistributable
Every native command's exit code is checked.

Written without a Windows machine: NEVER RUN by anyone yet; the Windows workflow runs it first.
#>
param(
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    # test-sign the package with a certificate from the machine store
    [switch] $Sign,
    # InfVerif mode: /w checks the Windows Driver rules (what pnputil-installable packages must follow)
    [string] $InfVerifMode = '/w'
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot

function Invoke-Checked([string] $Exe, [string[]] $Arguments, [int[]] $Allowed = @(0)) {
    & $Exe @Arguments
    if ($Allowed -notcontains $LASTEXITCODE) {
        throw "$([IO.Path]::GetFileName($Exe)) $($Arguments -join ' ') failed with exit code $LASTEXITCODE"
    }
}

function Find-KitTool([string] $Name) {
    $kits = Join-Path ${env:ProgramFiles(x86)} 'Windows Kits\10\Tools'
    $found = Get-ChildItem -Path $kits, (Join-Path ${env:ProgramFiles(x86)} 'Windows Kits\10\bin') -Filter $Name `
        -Recurse -ErrorAction SilentlyContinue | Where-Object { $_.Directory.Name -eq 'x64' } |
        Sort-Object FullName | Select-Object -Last 1
    if (-not $found) { throw "$Name not found: install the Windows Driver Kit" }
    return $found.FullName
}

$inf = Join-Path $root 'driver\kmdf\kmclbridge.inf'
Write-Host "==> InfVerif $InfVerifMode"
Invoke-Checked (Find-KitTool 'infverif.exe') @($InfVerifMode, '/v', $inf)

$vswhere = Join-Path ${env:ProgramFiles(x86)} 'Microsoft Visual Studio\Installer\vswhere.exe'
$msbuild = & $vswhere -latest -requires Microsoft.Component.MSBuild -find 'MSBuild\**\Bin\MSBuild.exe' | Select-Object -First 1
if ($LASTEXITCODE -ne 0 -or -not $msbuild) { throw 'MSBuild not found (install Visual Studio 2022 with the WDK)' }

Write-Host "==> driver ($Configuration)"
# SignMode=Off: the package is signed as a whole below (-Sign), not the .sys alone by the WDK targets
Invoke-Checked $msbuild @((Join-Path $root 'driver\kmdf\kmclbridge.vcxproj'), '/m', "/p:Configuration=$Configuration",
    '/p:Platform=x64', '/p:SignMode=Off')

$out = Join-Path $root "driver\build\$Configuration"
if (-not (Test-Path (Join-Path $out 'kmclbridge.sys'))) {
    throw "msbuild succeeded but left no kmclbridge.sys in $out (the vcxproj's OutDir)"
}
$package = Join-Path $out 'package'
New-Item -ItemType Directory -Force -Path $package | Out-Null
Copy-Item $inf $package -Force
Copy-Item (Join-Path $out 'kmclbridge.sys') $package -Force
if ($Sign) {
    Write-Host '==> test signing'
    & (Join-Path $PSScriptRoot 'sign-driver-package.ps1') -PackagePath $package
}

Write-Host '==> kmclshim.dll (MSVC, static CRT, win32 transport)'
$build = Join-Path $root 'native\build\msvc'
Invoke-Checked 'cmake' @('-S', (Join-Path $root 'native'), '-B', $build, '-A', 'x64',
    '-DCMAKE_MSVC_RUNTIME_LIBRARY=MultiThreaded$<$<CONFIG:Debug>:Debug>')
Invoke-Checked 'cmake' @('--build', $build, '--config', $Configuration, '--target', 'kmclshim')
$shimOut = Join-Path $root 'native\build\out\win32-x86-64'
New-Item -ItemType Directory -Force -Path $shimOut | Out-Null
Copy-Item (Join-Path $build "$Configuration\kmclshim.dll") $shimOut -Force
Write-Host "driver package: $package; shim: $shimOut\kmclshim.dll"
