import { fireEvent, within } from '@testing-library/react';

/** Answers the "Confirm it is you" prompt that appears in `region`, with the password. */
export async function confirmItIsYou(region: HTMLElement): Promise<void> {
  const prompt = await within(region).findByRole('group', { name: 'Confirm it is you' });
  fireEvent.change(within(prompt).getByLabelText('Current password'), { target: { value: 'right password' } });
  fireEvent.click(within(prompt).getByRole('button', { name: 'Confirm' }));
}
