# Installs (or with -Uninstall removes) the KMCL bridge filter on a Hyper-V guest or host.
# Test signing: enables testsigning (reboot needed once), signs with a self-made certificate,
# installs the service with pnputil and adds the filter to the UpperFilters of the VMBus devices
# whose class GUID is given. Run elevated. Never run in this repository's Linux CI.
param(
    [string] $Configuration = 'Release',
    [string[]] $DeviceClassGuids = @('57164f39-9115-4e78-ab55-382f3bd5422d'), # heartbeat by default
    [switch] $Uninstall
)
$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot
$pkg = Join-Path $root "driver\build\$Configuration"
$svc = 'kmclbridge'

function Get-VmbusDevices {
    Get-PnpDevice -PresentOnly | Where-Object {
        $hw = ($_ | Get-PnpDeviceProperty -KeyName 'DEVPKEY_Device_HardwareIds').Data
        $hw | Where-Object { $g = $_; $DeviceClassGuids | Where-Object { $g -match [regex]::Escape($_) } }
    }
}

function Set-Filter([string] $instanceId, [bool] $add) {
    $key = "HKLM:\SYSTEM\CurrentControlSet\Enum\$instanceId"
    $cur = @((Get-ItemProperty -Path $key -Name UpperFilters -ErrorAction SilentlyContinue).UpperFilters) | Where-Object { $_ }
    $new = if ($add) { @($cur | Where-Object { $_ -ne $svc }) + $svc } else { @($cur | Where-Object { $_ -ne $svc }) }
    if ($new.Count -gt 0) {
        Set-ItemProperty -Path $key -Name UpperFilters -Type MultiString -Value $new
    } else {
        Remove-ItemProperty -Path $key -Name UpperFilters -ErrorAction SilentlyContinue
    }
    pnputil /restart-device "$instanceId" | Out-Null
}

if ($Uninstall) {
    foreach ($d in Get-VmbusDevices) { Set-Filter $d.InstanceId $false }
    $oem = pnputil /enum-drivers | Select-String -Context 1,0 'kmclbridge.inf' | ForEach-Object { ($_.Context.PreContext[0] -split ':\s+')[1] }
    foreach ($o in $oem) { pnputil /delete-driver $o /uninstall /force | Out-Null }
    sc.exe delete $svc | Out-Null
    Write-Host 'kmclbridge removed'
    return
}

$ts = (bcdedit /enum '{current}') -match 'testsigning\s+Yes'
if (-not $ts) {
    bcdedit /set testsigning on | Out-Null
    Write-Warning 'test signing enabled: reboot, then run this script again'
    return
}
$cert = Get-ChildItem Cert:\LocalMachine\My | Where-Object Subject -eq 'CN=kmclbridge test' | Select-Object -First 1
if (-not $cert) {
    $cert = New-SelfSignedCertificate -Subject 'CN=kmclbridge test' -Type CodeSigningCert -CertStoreLocation Cert:\LocalMachine\My
    foreach ($store in 'Root', 'TrustedPublisher') {
        $s = New-Object System.Security.Cryptography.X509Certificates.X509Store $store, 'LocalMachine'
        $s.Open('ReadWrite'); $s.Add($cert); $s.Close()
    }
}
$signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" | Sort-Object FullName | Select-Object -Last 1
$inf2cat = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x86\Inf2Cat.exe" | Sort-Object FullName | Select-Object -Last 1
& $inf2cat.FullName /driver:$pkg /os:10_X64 | Out-Null
foreach ($f in 'kmclbridge.sys', 'kmclbridge.cat') {
    & $signtool.FullName sign /fd sha256 /sha1 $cert.Thumbprint (Join-Path $pkg $f)
    if ($LASTEXITCODE -ne 0) { throw "signing $f failed" }
}
pnputil /add-driver (Join-Path $pkg 'kmclbridge.inf') /install
if ($LASTEXITCODE -ne 0) { throw 'pnputil failed' }
foreach ($d in Get-VmbusDevices) {
    Set-Filter $d.InstanceId $true
    Write-Host "filter attached to $($d.InstanceId)"
}
