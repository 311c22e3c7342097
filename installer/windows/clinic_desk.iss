; Inno Setup 6 script: ClinicDesk's Windows installer (issue 13).
;
; Built on Windows by installer\build_windows.ps1, which first makes the
; PyInstaller folder dist\ClinicDesk and passes the version:
;     ISCC.exe /DAppVersion=0.1.0 installer\windows\clinic_desk.iss
; Output: dist\ClinicDesk-<version>-windows-x64-setup.exe
;
; - Installs for every user of the computer (Program Files), with a Start-menu
;   entry (and a desktop one if ticked).
; - The clinic's data lives in one folder per computer, not per Windows user:
;   C:\ProgramData\ClinicDesk. The installer sets CLINIC_DESK_HOME (machine-wide)
;   to it, which ClinicDesk reads (clinic_desk/core/paths.py); an IT person who
;   already pointed CLINIC_DESK_HOME elsewhere (e.g. D:\ClinicDesk) keeps that.
; - Uninstalling removes the program and keeps the clinic's data unless the person
;   answers Yes to deleting it (the default button is No; a silent uninstall keeps it).

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z (build_windows.ps1 reads clinic-desk --version)
#endif

#define AppName "ClinicDesk"
#define DataFolder "{commonappdata}\ClinicDesk"

[Setup]
; The AppId ties upgrades and the uninstaller together: never change it.
AppId={{5B1C2E7A-4C0D-4E59-9A3F-0C7D1E2B8A41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=ClinicDesk
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=ClinicDesk-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\clinicdesk.ico
UninstallDisplayIcon={app}\ClinicDesk.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=yes
CloseApplications=yes
ShowLanguageDialog=auto

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
; Inno Setup's Chinese message files, where this Inno Setup has them.
#if FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
Name: "zh_CN"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
  #define HaveZhCN
#endif
#if FileExists(CompilerPath + "Languages\ChineseTraditional.isl")
Name: "zh_TW"; MessagesFile: "compiler:Languages\ChineseTraditional.isl"
  #define HaveZhTW
#endif

[CustomMessages]
en.DeleteData=Also delete the clinic's data in %1?%n%nThis deletes the encrypted patient records, the keys and the backups kept there, and cannot be undone. Choose No to keep them (for example to reinstall ClinicDesk later).
en.DataFolderNote=The clinic's data folder
#ifdef HaveZhCN
zh_CN.DeleteData=同时删除 %1 中的诊所数据吗？%n%n这会删除其中加密的病历、密钥和备份，且无法恢复。选择“否”保留数据（例如以后重新安装 ClinicDesk）。
zh_CN.DataFolderNote=诊所数据文件夹
#endif
#ifdef HaveZhTW
zh_TW.DeleteData=同時刪除 %1 中的診所資料嗎？%n%n這會刪除其中加密的病歷、金鑰和備份，且無法復原。選擇「否」保留資料（例如日後重新安裝 ClinicDesk）。
zh_TW.DataFolderNote=診所資料夾
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller folder: ClinicDesk.exe (the window), clinic-desk.exe
; (the command line: backup, check, restore) and _internal\.
Source: "..\..\dist\ClinicDesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; Every Windows user of the computer works in the same clinic folder; the data
; in it is encrypted and each staff member signs in to ClinicDesk itself.
Name: "{#DataFolder}"; Permissions: users-modify; Flags: uninsneveruninstall

[Registry]
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; \
    ValueType: string; ValueName: "CLINIC_DESK_HOME"; ValueData: "{#DataFolder}"; \
    Flags: createvalueifdoesntexist uninsdeletevalue

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\ClinicDesk.exe"; WorkingDir: "{app}"
Name: "{autoprograms}\{#AppName} - {cm:DataFolderNote}"; Filename: "{#DataFolder}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\ClinicDesk.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\ClinicDesk.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; \
    Flags: nowait postinstall skipifsilent runasoriginaluser

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    DataDir := ExpandConstant('{#DataFolder}');
    if DirExists(DataDir) then
      { Default No, and No when silent: the clinic's records outlive the program. }
      if SuppressibleMsgBox(FmtMessage(CustomMessage('DeleteData'), [DataDir]),
           mbConfirmation, MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES then
        DelTree(DataDir, True, True, True);
  end;
end;
