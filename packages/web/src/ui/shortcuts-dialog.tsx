import { Dialog } from './dialog';

const rows: [string[], string][] = [
  [['?'], 'Show this list'],
  [['/'], 'Filter the board (words, #label, @person, is:done, is:open)'],
  [['n'], 'Add a task to the first column'],
  [['Enter'], 'Open the focused task'],
  [['Space'], 'Pick up the focused task or column; Space or Enter drops it'],
  [['←', '↑', '→', '↓'], 'Move what you picked up (between columns too)'],
  [['Esc'], 'Cancel a move, close a dialog or the composer'],
  [['x'], 'Toggle “completed” on the focused task'],
  [['Delete'], 'Delete the focused task (with Undo)'],
  [['.'], 'Show or hide the requests panel (which backend served what)'],
  [['t'], 'Switch between light and dark'],
];

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="Keyboard shortcuts">
      <table className="shortcuts">
        <tbody>
          {rows.map(([keys, what]) => (
            <tr key={what}>
              <td>
                {keys.map((k) => (
                  <kbd key={k} style={{ marginRight: 4 }}>
                    {k}
                  </kbd>
                ))}
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
