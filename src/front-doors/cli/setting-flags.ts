/**
 * The settings table (vocabulary/config.ts) as command-line flags: every row becomes a flag of
 * the commands that use its group, listed under the group's heading in `--help`, and the flags
 * given become the same SettingInputs the environment gives, so a flag and its variable parse
 * alike and an error names the flag the user typed. Flags win over variables.
 */
import { type Command, Option } from "commander";
import {
  configFromInputs,
  type SettingGroup,
  type SettingInput,
  type SettingKey,
  settingInputsFromEnv,
  settingKeys,
  settings,
  type TrentConfig,
} from "../../vocabulary/config.js";

/** Adds a flag for every setting of `groups`, in the table's order. */
export function addSettingFlags(command: Command, groups: readonly SettingGroup[]): Command {
  for (const key of settingKeys) {
    const row = settings[key];
    if (!groups.includes(row.group)) continue;
    const names = row.env.join(", ");
    const fallback = row.shownDefault === "none" ? "" : `; default ${row.shownDefault}`;
    command.addOption(
      new Option(`${row.flag} ${row.placeholder}`, `${row.help} (${names}${fallback})`).helpGroup(
        `${row.group} options:`,
      ),
    );
  }
  return command;
}

/** The configuration of a command: its flags over the environment's variables. */
export function configOfFlags(flags: Readonly<Record<string, unknown>>): TrentConfig {
  const inputs: Partial<Record<SettingKey, SettingInput>> = { ...settingInputsFromEnv() };
  let flagGiven = false;
  for (const key of settingKeys) {
    const value = flags[key];
    if (value === undefined) continue;
    // A boolean flag given without a value (`--audit-fsync`) means true.
    inputs[key] = { text: value === true ? "true" : String(value), name: settings[key].flag };
    flagGiven = true;
  }
  // Settings the user did not give are named in the words they used: variables for someone
  // configuring through the environment, flags once they use flags.
  return configFromInputs(inputs, flagGiven ? "flag" : "env");
}
