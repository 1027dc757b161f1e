# Builds the KMDF driver (driver/kmdf) and the MSVC kmclshim.dll on Windows.
# Needs Visual Studio 2022 with the WDK (or the WDK NuGet packages) and CMake.
# Written without a Windows machine: never run in this repository's Linux CI.
param(
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot

$vswhere = Join-Path ${env:ProgramFiles(x86)} 'Microsoft Visual Studio\Installer\vswhere.exe'
$msbuild = & $vswhere -latest -requires Microsoft.Component.MSBuild -find 'MSBuild\**\Bin\MSBuild.exe' | Select-Object -First 1
if (-not $msbuild) { throw 'MSBuild not found (install Visual Studio 2022 with the WDK)' }

Write-Host "==> driver ($Configuration)"
& $msbuild (Join-Path $root 'driver\kmdf\kmclbridge.vcxproj') /m /p:Configuration=$Configuration /p:Platform=x64
if ($LASTEXITCODE -ne 0) { throw "msbuild failed ($LASTEXITCODE)" }

Write-Host '==> kmclshim.dll (MSVC, win32 transport)'
$build = Join-Path $root 'native\build\msvc'
cmake -S (Join-Path $root 'native') -B $build -A x64
if ($LASTEXITCODE -ne 0) { throw 'cmake configure failed' }
cmake --build $build --config $Configuration --target kmclshim
if ($LASTEXITCODE -ne 0) { throw 'cmake build failed' }
$out = Join-Path $root 'native\build\out\win32-x86-64'
New-Item -ItemType Directory -Force -Path $out | Out-Null
Copy-Item (Join-Path $build "$Configuration\kmclshim.dll") $out -Force
Write-Host "driver: driver\build\$Configuration\kmclbridge.sys; shim: $out\kmclshim.dll"
