<#
.SYNOPSIS
Installs the kmclbridge driver as the function driver of one VMBus device type in a Hyper-V guest, or
with -Uninstall undoes exactly what the install did.

.DESCRIPTION
kmclbridge.inf matches the compatible id VMBUS\{type} of the device types its Models section lists
(driver/kmdf/README.md says how to add one). Two install modes:

  (a) default: a device type that has no in-box driver (your own VSP on the host offers it):
      pnputil /add-driver kmclbridge.inf /install
  (b) -ReplaceInboxDriver: an in-box type (heartbeat, shutdown, time synchronization, KVP) on a
      THROWAWAY test VM: UpdateDriverForPlugAndPlayDevices with INSTALLFLAG_FORCE puts kmclbridge on
      the device in place of its in-box driver; -Uninstall removes kmclbridge's package and gives the
      device back to the in-box driver it had.

Storage, network, video, keyboard, mouse and PCI pass-through types are refused unless -Force: taking
them from their driver can leave the VM without a disk, network or console.

Test signing: a test-signed driver loads only with test signing on, which needs Secure Boot off. The
script checks Secure Boot first (Confirm-SecureBootUEFI); when it is on, it stops and names the host
command that turns it off. Otherwise it turns test signing on (bcdedit) and asks for one reboot.

Signing: a package with kmclbridge-test.cer beside it (the Windows workflow's and the lab bundle's) is
used as it is, and that certificate is trusted on this machine (LocalMachine Root and
TrustedPublisher). A package without it is signed here with sign-driver-package.ps1 (needs the WDK).

What the install did is recorded in %ProgramData%\kmclbridge\install-state.json; -Uninstall reads it.
Every native command's exit code is checked; no command's text output is parsed (it is localized).
Run elevated, in Windows PowerShell 5.1 or PowerShell 7.

Written without a Windows machine: NEVER RUN by anyone yet. docs/hyperv-lab.md walks through it.

.EXAMPLE
.\install-driver.ps1 -DeviceType 57164f39-9115-4e78-ab55-382f3bd5422d -ReplaceInboxDriver
.EXAMPLE
.\install-driver.ps1 -Uninstall
#>
[CmdletBinding(DefaultParameterSetName = 'Install')]
param(
    # the VMBus device type (interface type GUID) to bind kmclbridge to
    [Parameter(ParameterSetName = 'Install', Mandatory = $true)] [Guid] $DeviceType,
    # mode (b): replace the in-box driver of an in-box type (throwaway test VMs only)
    [Parameter(ParameterSetName = 'Install')] [switch] $ReplaceInboxDriver,
    # allow a critical device type (storage, network, video, keyboard, mouse, PCI pass-through)
    [Parameter(ParameterSetName = 'Install')] [switch] $Force,
    # the folder with kmclbridge.inf/.sys(/.cat); default: .\driver beside this script (lab bundle),
    # else driver\build\Release\package of the repository (build-driver.ps1)
    [Parameter(ParameterSetName = 'Install')] [string] $PackagePath,
    [Parameter(ParameterSetName = 'Uninstall', Mandatory = $true)] [switch] $Uninstall
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'

$ServiceName = 'kmclbridge'
$InfName = 'kmclbridge.inf'
$StateFolder = Join-Path $env:ProgramData 'kmclbridge'
$StateFile = Join-Path $StateFolder 'install-state.json'
$CertificateFile = 'kmclbridge-test.cer'
$InstallFlagForce = 0x1 # INSTALLFLAG_FORCE (newdev.h)

# VMBus device types never taken from their driver without -Force (the interface type GUIDs of
# java/kmcl-diag/src/main/java/dev/kmclbridge/diag/WellKnownDevices.java)
$CriticalTypes = @{
    'ba6163d9-04a1-4d29-b605-72e2ffb1dc7f' = 'synthetic SCSI controller (storage)'
    '32412632-86cb-44a2-9b5c-50d1417354f5' = 'synthetic IDE controller (storage)'
    '2f9bcc4a-0069-4af3-b76b-6fd0be528cda' = 'synthetic Fibre Channel adapter (storage)'
    'f8615163-df3e-46c5-913f-f2d2f965ed0e' = 'synthetic network adapter'
    '8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501' = 'synthetic RDMA adapter (network)'
    'da0a7802-e377-4aac-8e77-0558eb1073f8' = 'synthetic video'
    'f912ad6d-2b17-48ea-bd65-f927a61c7684' = 'synthetic keyboard'
    'cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a' = 'synthetic mouse'
    '44c4f61d-4444-4400-9d52-802e27ede19f' = 'PCI Express pass-through'
}
# in-box integration services: mode (b) is meant for these
$InboxTypes = @{
    '57164f39-9115-4e78-ab55-382f3bd5422d' = 'heartbeat'
    '0e0b6031-5213-4934-818b-38d90ced39db' = 'shutdown'
    '9527e630-d0ae-497b-adce-e80ab0175caf' = 'time synchronization'
    'a9a0f4e7-5a45-4d96-b827-8a841e8c03e6' = 'key-value data exchange (KVP)'
}

# ------------------------------------------------------------------ helpers
# Runs a native command and throws unless its exit code is one of $Allowed; returns the exit code.
function Invoke-Checked([string] $Exe, [string[]] $Arguments, [int[]] $Allowed = @(0)) {
    & $Exe @Arguments | Out-Host
    $code = $LASTEXITCODE
    if ($Allowed -notcontains $code) {
        throw "$Exe $($Arguments -join ' ') failed with exit code $code"
    }
    return $code
}

function Assert-Administrator {
    $principal = New-Object Security.Principal.WindowsPrincipal ([Security.Principal.WindowsIdentity]::GetCurrent())
    if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        throw 'run this script from an elevated PowerShell (Run as administrator)'
    }
}

# The present VMBus children of a type: instance ids VMBUS\{type}\{instance}.
function Get-VmbusDevicesOfType([Guid] $Type) {
    $prefix = "VMBUS\{$Type}\*"
    @(Get-PnpDevice -PresentOnly -ErrorAction SilentlyContinue | Where-Object { $_.InstanceId -like $prefix })
}

function Get-DeviceProperty([string] $InstanceId, [string] $Key) {
    $p = Get-PnpDeviceProperty -InstanceId $InstanceId -KeyName $Key -ErrorAction SilentlyContinue
    if ($p) { return $p.Data }
    return $null
}

# Published names (oemNN.inf) of every kmclbridge package in the driver store (third-party packages).
function Get-KmclbridgePublishedNames {
    @(Get-WindowsDriver -Online | Where-Object {
            [IO.Path]::GetFileName($_.OriginalFileName) -eq $InfName
        } | ForEach-Object { $_.Driver })
}

function Add-NewDevType {
    if (-not ('KmclBridge.NewDev' -as [type])) {
        Add-Type -Namespace KmclBridge -Name NewDev -MemberDefinition @'
[DllImport("newdev.dll", CharSet = CharSet.Unicode, SetLastError = true, EntryPoint = "UpdateDriverForPlugAndPlayDevicesW")]
[return: MarshalAs(UnmanagedType.Bool)]
public static extern bool UpdateDriverForPlugAndPlayDevices(IntPtr hwndParent, string hardwareId, string fullInfPath,
    uint installFlags, [MarshalAs(UnmanagedType.Bool)] out bool rebootRequired);
'@
    }
}

# Installs $InfPath on every present device matching $HardwareId (a hardware or compatible id), even
# when the device's current driver ranks better (INSTALLFLAG_FORCE). Returns whether a reboot is needed.
function Install-ForcedDriver([string] $HardwareId, [string] $InfPath) {
    Add-NewDevType
    $reboot = $false
    if (-not [KmclBridge.NewDev]::UpdateDriverForPlugAndPlayDevices([IntPtr]::Zero, $HardwareId, $InfPath,
            $InstallFlagForce, [ref] $reboot)) {
        $err = [Runtime.InteropServices.Marshal]::GetLastWin32Error()
        $text = (New-Object ComponentModel.Win32Exception $err).Message
        throw ('UpdateDriverForPlugAndPlayDevices({0}, {1}) failed: 0x{2:X8} {3}' -f $HardwareId, $InfPath, $err, $text)
    }
    return $reboot
}

# Secure Boot state: $true, $false, or $false on a machine without UEFI (Gen1 VM), where the cmdlet throws.
function Test-SecureBoot {
    try {
        return [bool](Confirm-SecureBootUEFI)
    } catch [System.PlatformNotSupportedException] {
        return $false
    } catch {
        # e.g. "Cmdlet not supported on this platform" on BIOS machines: no Secure Boot to block us
        Write-Verbose "Confirm-SecureBootUEFI: $($_.Exception.Message)"
        return $false
    }
}

# Whether this boot runs with test signing: the loader's options, language independent.
function Test-BootedWithTestSigning {
    $options = (Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control' -Name SystemStartOptions).SystemStartOptions
    return (" $options " -match '\sTESTSIGNING\s')
}

# Test signing on for this boot, or stops the script with what to do. Returns whether bcdedit turned it on.
function Enable-TestSigning {
    if (Test-BootedWithTestSigning) { return $false }
    if (Test-SecureBoot) {
        throw ('Secure Boot is on: test-signed drivers cannot load and test signing cannot be turned on. ' +
            'On the Hyper-V HOST, with this VM turned off, run:  Set-VMFirmware -VMName <this VM> -EnableSecureBoot Off  ' +
            'then start the VM and run this script again.')
    }
    Invoke-Checked 'bcdedit.exe' @('/set', '{current}', 'testsigning', 'on') | Out-Null
    return $true
}

function Save-State($State) {
    New-Item -ItemType Directory -Force -Path $StateFolder | Out-Null
    $State | ConvertTo-Json -Depth 4 | Set-Content -Path $StateFile -Encoding UTF8
}

# Trusts the package's test certificate (machine Root + TrustedPublisher); returns its thumbprint.
function Import-TestCertificate([string] $CerPath) {
    $thumbprint = $null
    foreach ($store in 'Root', 'TrustedPublisher') {
        $imported = Import-Certificate -FilePath $CerPath -CertStoreLocation "Cert:\LocalMachine\$store"
        $thumbprint = $imported.Thumbprint
    }
    return $thumbprint
}

function Resolve-PackagePath {
    if ($PackagePath) { return (Resolve-Path $PackagePath).Path }
    $bundled = Join-Path $PSScriptRoot 'driver'
    if (Test-Path (Join-Path $bundled $InfName)) { return $bundled }
    $built = Join-Path (Split-Path -Parent $PSScriptRoot) 'driver\build\Release\package'
    if (Test-Path (Join-Path $built $InfName)) { return $built }
    throw "no driver package found: pass -PackagePath (a folder with $InfName and kmclbridge.sys)"
}

# ------------------------------------------------------------------ uninstall
function Invoke-Uninstall {
    if (-not (Test-Path $StateFile)) {
        Write-Warning "no ${StateFile}: removing any kmclbridge package from the driver store all the same"
        $state = [pscustomobject]@{ Mode = 'unknown'; Devices = @(); TestSigningEnabledByUs = $false; CertificateThumbprint = $null }
    } else {
        $state = Get-Content -Raw $StateFile | ConvertFrom-Json
    }

    # /uninstall takes the driver off every device using it; /force even while devices use it
    foreach ($published in Get-KmclbridgePublishedNames) {
        Write-Host "removing $published from the driver store"
        Invoke-Checked 'pnputil.exe' @('/delete-driver', $published, '/uninstall', '/force') @(0, 3010) | Out-Null
    }
    # re-enumerate: the devices pick the best driver left, for in-box types their in-box driver
    # (/scan-devices exists from Windows 10 2004 on; before it, the loop below reinstalls the in-box INF)
    & pnputil.exe /scan-devices | Out-Host
    if ($LASTEXITCODE -ne 0) { Write-Warning "pnputil /scan-devices failed with exit code $LASTEXITCODE" }

    foreach ($device in @($state.Devices)) {
        if (-not $device.PreviousInf) { continue }
        $service = Get-DeviceProperty $device.InstanceId 'DEVPKEY_Device_Service'
        if ($service -and $service -ne $ServiceName) { continue } # back on its own driver
        # the scan left it without a driver: reinstall the in-box INF it had
        $inboxInf = Join-Path $env:SystemRoot "INF\$($device.PreviousInf)"
        Write-Host "giving $($device.InstanceId) back to $($device.PreviousInf)"
        Install-ForcedDriver $device.HardwareId $inboxInf | Out-Null
    }

    if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
        Invoke-Checked 'sc.exe' @('delete', $ServiceName) @(0, 1072) | Out-Null # 1072: already marked for deletion
    }
    if ($state.CertificateThumbprint) {
        foreach ($store in 'Root', 'TrustedPublisher') {
            $path = "Cert:\LocalMachine\$store\$($state.CertificateThumbprint)"
            if (Test-Path $path) { Remove-Item $path }
        }
    }
    if ($state.TestSigningEnabledByUs) {
        Invoke-Checked 'bcdedit.exe' @('/set', '{current}', 'testsigning', 'off') | Out-Null
        Write-Host 'test signing turned off again (takes effect after a reboot)'
    }
    if (Test-Path $StateFile) { Remove-Item $StateFile }
    Write-Host 'kmclbridge removed'
}

# ------------------------------------------------------------------ install
function Invoke-Install {
    $type = $DeviceType.ToString()
    if ($CriticalTypes.ContainsKey($type) -and -not $Force) {
        throw "refusing $type ($($CriticalTypes[$type])): the VM may lose its disk, network or console. Pass -Force on a throwaway VM to do it anyway."
    }
    $devices = Get-VmbusDevicesOfType $DeviceType
    if ($devices.Count -eq 0) {
        throw "no VMBus device of type {$type} here. Run this inside a Hyper-V guest whose host offers that device (a Hyper-V host itself has no VMBus child devices)."
    }
    $package = Resolve-PackagePath
    $inf = Join-Path $package $InfName
    $hardwareId = "VMBUS\{$type}"
    if (-not (Select-String -Path $inf -SimpleMatch -Pattern $hardwareId -Quiet)) {
        throw "$InfName has no model line for ${hardwareId}: add one to its Models section (driver/kmdf/README.md), then rebuild or re-sign the package"
    }

    $owned = @($devices | ForEach-Object {
            $service = Get-DeviceProperty $_.InstanceId 'DEVPKEY_Device_Service'
            if ($service -and $service -ne $ServiceName) { $_ }
        })
    if ($owned.Count -gt 0 -and -not $ReplaceInboxDriver) {
        $name = if ($InboxTypes.ContainsKey($type)) { $InboxTypes[$type] } else { 'this type' }
        throw "$name already has a driver here ($((Get-DeviceProperty $owned[0].InstanceId 'DEVPKEY_Device_Service'))). On a throwaway test VM, run again with -ReplaceInboxDriver."
    }
    if ($ReplaceInboxDriver -and -not $InboxTypes.ContainsKey($type)) {
        Write-Warning "{$type} is not one of the in-box integration services this mode is meant for"
    }

    $state = [ordered]@{
        Mode = $(if ($ReplaceInboxDriver) { 'replace-inbox' } else { 'no-inbox-driver' })
        DeviceType = $type
        Devices = @($devices | ForEach-Object {
                [ordered]@{
                    InstanceId  = $_.InstanceId
                    HardwareId  = $hardwareId
                    PreviousInf = Get-DeviceProperty $_.InstanceId 'DEVPKEY_Device_DriverInfPath'
                }
            })
        TestSigningEnabledByUs = $false
        CertificateThumbprint = $null
    }
    # kept from an earlier install that waited for its reboot
    if (Test-Path $StateFile) {
        $earlier = Get-Content -Raw $StateFile | ConvertFrom-Json
        $state.TestSigningEnabledByUs = [bool]$earlier.TestSigningEnabledByUs
    }

    if (Enable-TestSigning) {
        $state.TestSigningEnabledByUs = $true
        Save-State $state
        Write-Warning 'test signing turned on: reboot, then run this script again with the same arguments'
        return
    }

    $cer = Join-Path $package $CertificateFile
    if (-not (Test-Path $cer)) {
        & (Join-Path $PSScriptRoot 'sign-driver-package.ps1') -PackagePath $package
    }
    $state.CertificateThumbprint = Import-TestCertificate $cer
    Save-State $state # from here on, -Uninstall can undo what follows

    $reboot = $false
    if ($ReplaceInboxDriver) {
        $reboot = Install-ForcedDriver $hardwareId $inf
    } else {
        # 3010: installed, a reboot finishes it
        $code = Invoke-Checked 'pnputil.exe' @('/add-driver', $inf, '/install') @(0, 3010)
        $reboot = ($code -eq 3010)
    }

    $bound = 0
    foreach ($device in $devices) {
        $service = Get-DeviceProperty $device.InstanceId 'DEVPKEY_Device_Service'
        $problem = Get-DeviceProperty $device.InstanceId 'DEVPKEY_Device_ProblemCode'
        if ($service -eq $ServiceName) { $bound++ }
        Write-Host ("{0}: service {1}, problem code {2}" -f $device.InstanceId, $service, $problem)
    }
    if ($reboot) { Write-Warning 'Windows asks for a reboot to finish the install' }
    if ($bound -eq 0 -and -not $reboot) {
        throw "no device of type {$type} runs kmclbridge now; see the System event log and docs/hyperv-lab.md"
    }
    Write-Host "kmclbridge bound to $bound device(s). Next: kmcl-diag status"
}

Assert-Administrator
if ($Uninstall) { Invoke-Uninstall } else { Invoke-Install }
