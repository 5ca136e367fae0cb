/** What the person form edits (the contract's people.create / people.update fields). */
export interface PersonFields {
  name: string;
  employeeCode: string | null;
  group: string | null;
  active: boolean;
  notes: string;
}
