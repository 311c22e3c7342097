# Build ClinicDesk's Windows installer (issue 13). Run on Windows 10/11 x64 with
# Python 3.11+ (py launcher) and Inno Setup 6, from the repository folder:
#
#     powershell -ExecutionPolicy Bypass -File installer\build_windows.ps1
#
# Makes dist\ClinicDesk (PyInstaller, installer\clinic_desk.spec), checks that
# the bundled program answers --version and sets up and checks a clinic, then
# dist\ClinicDesk-<version>-windows-x64-setup.exe (installer\windows\clinic_desk.iss).
param(
    [string]$Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
)
$ErrorActionPreference = "Stop"
$root = Split-Path $PSScriptRoot -Parent
Set-Location $root

function Step([string]$what, [scriptblock]$do) {
    Write-Host "== $what"
    & $do
    if ($LASTEXITCODE -ne 0) { throw "$what failed (exit $LASTEXITCODE)" }
}

# .venv with the pinned dependencies and the compiled translations (as run.py demo does).
Step "environment" { py -3 run.py app --version }
$python = Join-Path $root ".venv\Scripts\python.exe"
Step "installer tools" { & $python -m pip install -q --disable-pip-version-check -e ".[installer]" }
if (-not (Test-Path "resources\icons\clinicdesk.ico")) {
    Step "icon" { & $python installer\make_icon.py }
}
Step "PyInstaller" {
    & $python -m PyInstaller --noconfirm --log-level WARN --distpath dist `
        --workpath build\pyinstaller installer\clinic_desk.spec
}

$program = Join-Path $root "dist\ClinicDesk\clinic-desk.exe"
$version = (& $program --version).Trim() -replace '^ClinicDesk ', ''
if ($LASTEXITCODE -ne 0 -or -not $version) { throw "the bundled clinic-desk.exe does not start" }
Write-Host "bundled version: $version"

# The bundle sets up and checks a clinic in a scratch folder before it is packed.
$scratch = Join-Path $env:TEMP ("clinicdesk-build-" + [guid]::NewGuid())
$env:CLINIC_DESK_PASSPHRASE = "build check passphrase 马跑了"
$env:CLINIC_DESK_PASSWORD = "director-pass-1"
$env:CLINIC_DESK_NO_KEYRING = "1"
try {
    Step "init" { & $program init --data-dir $scratch --clinic-name "Build check" --director check --no-keyring | Out-Null }
    Step "check" { & $program check --data-dir $scratch }
} finally {
    Remove-Item -Recurse -Force $scratch -ErrorAction SilentlyContinue
    Remove-Item Env:CLINIC_DESK_PASSPHRASE, Env:CLINIC_DESK_PASSWORD, Env:CLINIC_DESK_NO_KEYRING
}

$size = (Get-ChildItem -Recurse dist\ClinicDesk | Measure-Object -Sum Length).Sum / 1MB
Write-Host ("bundle: dist\ClinicDesk ({0:N0} MiB)" -f $size)

if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 not found at $Iscc (pass -Iscc PATH)" }
Step "Inno Setup" { & $Iscc "/DAppVersion=$version" installer\windows\clinic_desk.iss }
Write-Host "installer: dist\ClinicDesk-$version-windows-x64-setup.exe"
