// Tests compare output as text: no colours, whatever the terminal or CI asks for (picocolors
// colours when `CI` is set; Node colours child output under FORCE_COLOR). Children inherit this.
delete process.env.FORCE_COLOR;
process.env.NO_COLOR = '1';
