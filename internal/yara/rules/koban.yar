/*
 * koban's own YARA rules: generic, honest indicators, not verdicts.
 * Licence: Apache-2.0. Author: koban.
 * Every rule here says what it sees; a match is a reason to look, not proof.
 */

import "pe"
import "math"

rule eicar_test_file : test
{
    meta:
        author = "koban"
        description = "The EICAR anti-virus test file (harmless), written here as hex in two halves"
    strings:
        // the two halves of the 68-byte test string, as bytes
        $head = { 58 35 4F 21 50 25 40 41 50 5B 34 5C 50 5A 58 35 34 28 50 5E 29 37 43 43 29 37 7D 24 }
        $tail = { 45 49 43 41 52 2D 53 54 41 4E 44 41 52 44 2D 41 4E 54 49 56 49 52 55 53 2D 54 45 53 54 2D 46 49 4C 45 21 24 48 2B 48 2A }
    condition:
        $head at 0 and $tail at 28 and filesize <= 128
}

rule upx_packed_pe : packer
{
    meta:
        author = "koban"
        description = "PE file with UPX's section names (UPX0, UPX1): packed with UPX, its real code hidden until run"
    condition:
        pe.is_pe and
        for any s in pe.sections : (s.name == "UPX0") and
        for any s in pe.sections : (s.name == "UPX1")
}

rule pe_high_entropy_section : packer
{
    meta:
        author = "koban"
        description = "PE file with a section of 4 KiB or more whose entropy exceeds 7.2 bits per byte: packed, encrypted or compressed data (resources can be too); compressed debug sections left out"
    condition:
        pe.is_pe and
        for any s in pe.sections : (
            s.raw_data_size >= 4096 and
            // compressed DWARF, as Go and MinGW builds carry: named .zdebug_*,
            // or "/N" (a long name in the COFF string table, which yara 4.2
            // does not resolve)
            not s.name startswith ".zdebug" and not s.name startswith "/" and
            math.entropy(s.raw_data_offset, s.raw_data_size) > 7.2
        )
}

rule embedded_pe : dropper
{
    meta:
        author = "koban"
        description = "A DOS stub of a Windows executable inside a file that is not itself one: a dropper, or a document carrying a program"
    strings:
        $stub = "This program cannot be run in DOS mode" ascii
    condition:
        uint16(0) != 0x5A4D and $stub
}

rule powershell_download_cradle : powershell downloader
{
    meta:
        author = "koban"
        description = "PowerShell that downloads and runs code in one line (a download cradle): WebClient or Invoke-WebRequest with Invoke-Expression"
    strings:
        $dl1 = "Net.WebClient" ascii wide nocase
        $dl2 = "DownloadString(" ascii wide nocase
        $dl3 = "DownloadData(" ascii wide nocase
        $dl4 = "Invoke-WebRequest" ascii wide nocase
        $dl5 = "Invoke-RestMethod" ascii wide nocase
        $dl6 = "Start-BitsTransfer" ascii wide nocase
        $ex1 = "Invoke-Expression" ascii wide nocase
        $ex2 = "IEX(" ascii wide nocase
        $ex3 = "IEX (" ascii wide nocase
        $ex4 = "| IEX" ascii wide nocase
        $ex5 = "|IEX" ascii wide nocase
    condition:
        any of ($dl*) and any of ($ex*)
}

rule powershell_encoded_command : powershell
{
    meta:
        author = "koban"
        description = "PowerShell started with an encoded (Base64) command line, a common way to hide what it runs"
    strings:
        $ps = "powershell" ascii wide nocase
        $e1 = " -enc " ascii wide nocase
        $e2 = " -encodedcommand " ascii wide nocase
        $e3 = " -ec " ascii wide nocase
    condition:
        $ps and any of ($e*)
}

rule hacktool_mimikatz_strings : hacktool
{
    meta:
        author = "koban"
        description = "Two or more of Mimikatz's command names or its author's handle: the credential-dumping tool or a copy of it"
    strings:
        $a1 = "sekurlsa::logonpasswords" ascii wide nocase
        $a2 = "sekurlsa::pth" ascii wide nocase
        $a3 = "lsadump::sam" ascii wide nocase
        $a4 = "lsadump::dcsync" ascii wide nocase
        $a5 = "kerberos::golden" ascii wide nocase
        $a6 = "gentilkiwi" ascii wide nocase
        $a7 = "privilege::debug" ascii wide nocase
    condition:
        2 of them
}
